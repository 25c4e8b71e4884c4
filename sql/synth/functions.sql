-- Synthetic data helpers (schema `synth`), used by sql/synth/generate.sql and `npm run synth`.
--
-- Every pseudo-random number of the generator comes from these functions: a value is a pure
-- function of (seed, entity, field name), never of random(), call order, plan shape or
-- parallelism. Same inputs => same data, byte for byte.
--
-- Hashing: hashint8extended() is PostgreSQL's 64-bit integer hash; it hashes integer values (not
-- bytes), so it gives the same result on every platform, and costs a few dozen nanoseconds where
-- md5() costs about a microsecond. A field name enters as synth.salt(field), the first 64 bits of
-- md5(field): the field name is a literal at every call site, so once the planner inlines these
-- functions it folds md5(field) to a constant.
--   * synth.rand(seed, field, n[, k])  one uniform draw per call (per-user decisions that are
--     few or rare).
--   * synth.hash(base, field)          64 random bits from an entity's own 64-bit hash; the bulk
--     generators take all the draws of a row from a few of these, sliced with synth.u16 /
--     synth.u32 / synth.byte (16, 32 or 8 bits per draw).
--
-- All functions are `language sql immutable parallel safe` with a single-expression body, so the
-- planner inlines them into the generating queries. Idempotent (create or replace).

create schema if not exists synth;

comment on schema synth is 'Synthetic data generator helpers (npm run synth). Not part of the warehouse.';

-- synth.salt(field): a 64-bit constant for a field name (the first 64 bits of md5(field)). Called
-- with a literal, it is folded to a constant when the query is planned.
create or replace function synth.salt(field text)
returns bigint
language sql
immutable
parallel safe
as $$
    select ('x' || substr(md5(field), 1, 16))::bit(64)::bigint
$$;

comment on function synth.salt(text) is 'A 64-bit constant for a field name (md5-derived; folded at plan time).';

-- synth.rand(seed, field, n, k): uniform double in [0, 1) for entity (n, k) and field `field`.
-- 53 random bits, the full precision of a double.
create or replace function synth.rand(seed bigint, field text, n bigint, k bigint default 0)
returns double precision
language sql
immutable
parallel safe
as $$
    select (hashint8extended(k, hashint8extended(n, hashint8extended(seed, synth.salt(field))))
            & 9007199254740991)::double precision / 9007199254740992.0
$$;

comment on function synth.rand(bigint, text, bigint, bigint) is
    'Deterministic uniform [0,1) draw for (seed, field, entity n, sub-entity k).';

-- synth.hash(base, field): 64 random bits for the entity whose 64-bit hash is `base`, field
-- `field`. The bulk generators hash each entity once (base) and take every draw of a row from a
-- few synth.hash() values, 16 or 32 bits at a time (synth.u16, synth.u32): one integer hash per
-- group of draws instead of one md5 per draw.
create or replace function synth.hash(base bigint, field text)
returns bigint
language sql
immutable
parallel safe
as $$
    select hashint8extended(synth.salt(field), base)
$$;

comment on function synth.hash(bigint, text) is 'Deterministic 64 random bits for (entity hash, field).';

-- synth.u16(h, i): the i-th 16-bit slice (i = 0..3) of h as a uniform in [0, 1), resolution 1/65536.
create or replace function synth.u16(h bigint, i integer)
returns double precision
language sql
immutable
parallel safe
as $$
    select ((h >> (16 * i)) & 65535)::double precision / 65536.0
$$;

comment on function synth.u16(bigint, integer) is 'The i-th 16-bit slice (0..3) of a 64-bit value as a uniform [0,1).';

-- synth.u32(h, i): the i-th 32-bit slice (i = 0..1) of h as a uniform in [0, 1).
create or replace function synth.u32(h bigint, i integer)
returns double precision
language sql
immutable
parallel safe
as $$
    select ((h >> (32 * i)) & 4294967295)::double precision / 4294967296.0
$$;

comment on function synth.u32(bigint, integer) is 'The i-th 32-bit slice (0..1) of a 64-bit value as a uniform [0,1).';

-- synth.byte(h, i): byte i (0..7) of h, as an integer 0..255.
create or replace function synth.byte(h bigint, i integer)
returns integer
language sql
immutable
parallel safe
as $$
    select ((h >> (8 * i)) & 255)::integer
$$;

comment on function synth.byte(bigint, integer) is 'Byte i (0..7) of a 64-bit value, 0..255.';

-- synth.uuid(a, b): a uuid made of two 64-bit hashes. For the bulk tables (sessions, auth events):
-- as unique and deterministic as md5(...)::uuid, at a third of the cost.
create or replace function synth.uuid(a bigint, b bigint)
returns uuid
language sql
immutable
parallel safe
as $$
    select encode(int8send(a) || int8send(b), 'hex')::uuid
$$;

comment on function synth.uuid(bigint, bigint) is 'A uuid from two 64-bit values (their 16 bytes, big-endian).';

-- synth.normal(u1, u2): standard normal deviate from two uniforms (Box-Muller). u1 in [0,1) is
-- mapped to (0,1] so that ln() never sees 0.
create or replace function synth.normal(u1 double precision, u2 double precision)
returns double precision
language sql
immutable
parallel safe
as $$
    select sqrt(-2.0 * ln(1.0 - u1)) * cos(2.0 * pi() * u2)
$$;

comment on function synth.normal(double precision, double precision) is
    'Standard normal deviate from two uniform [0,1) draws (Box-Muller).';

-- synth.public_ipv4(h): a plausible public IPv4 address from the low 32 bits of h. The first octet
-- comes from a list of publicly routed /8s between 23 and 223 where consumer ISPs and mobile
-- carriers live (US-heavy, some Europe/Asia/LatAm); the list leaves out every private, loopback,
-- link-local, CGNAT (100.64/10), benchmark (198.18/15) and documentation range. The last octet is
-- 1..254 (no network or broadcast look). Built with integer arithmetic (inet + bigint), no text.
create or replace function synth.public_ipv4(h bigint)
returns inet
language sql
immutable
parallel safe
as $$
    select '0.0.0.0'::inet + (
        (array[
            23, 24, 24, 24, 47, 50, 63, 64, 65, 66, 67, 68, 69, 70, 71, 71, 72, 73, 73, 74,
            75, 76, 76, 96, 97, 98, 98, 99, 104, 107, 108, 108, 173, 174, 174, 184, 208, 209, 216, 24,
            31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 84, 86, 87, 88, 89, 90, 91, 92, 93, 94,
            109, 151, 176, 178, 185, 188, 193, 195, 212, 213, 217, 27, 36, 39, 49, 58, 59, 60, 61, 101,
            110, 111, 112, 114, 115, 116, 118, 119, 121, 124, 125, 175, 180, 182, 183, 186, 187, 189, 190, 201
        ])[1 + ((h >> 24) & 255)::integer % 100]::bigint * 16777216
        + (h & 16776960)
        + 1 + (h & 255) % 254
    )
$$;

comment on function synth.public_ipv4(bigint) is
    'A public-looking IPv4 address (no private/reserved ranges) from the low 32 bits of a hash.';

-- synth.app_version(at): the PetForce mobile app version in use in the week (epoch second / 604800)
-- of epoch second `at`: a minor release every month since 2024-01, a major every year, a patch
-- that cycles weekly (2026-11 => 4.10.x). Clients are assumed to update promptly.
create or replace function synth.app_version(at bigint)
returns text
language sql
immutable
parallel safe
as $$
    select (2 + greatest(0, (at / 604800 * 604800 - 1704067200) / 2629746) / 12)::text
        || '.' || (greatest(0, (at / 604800 * 604800 - 1704067200) / 2629746) % 12)::text
        || '.' || ((at / 604800) % 3)::text
$$;

comment on function synth.app_version(bigint) is 'PetForce app version string at an epoch second (synthetic release train).';
