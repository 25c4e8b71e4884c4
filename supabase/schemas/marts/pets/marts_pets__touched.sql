-- The pets a batch touched, shared by the pets marts that recompute per pet (marts_pets_health_events,
-- marts_pets_care_schedule, marts_pets_weight_history, and within their own touched functions
-- marts_pets_attention_needed and marts_pets_dim_pets): every pet whose own row, owner, weigh-ins,
-- health events or care tasks changed in the batches.
--
-- In its own file, named to sort before the pets model files (schema_paths applies
-- ./schemas/marts/*/marts_*.sql in lexicographic order, and '_' sorts before every letter): their
-- BEGIN ATOMIC functions call this one, and such a body is checked when it is created.

create function marts.pets_touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    select p.pet_id from staging.stg_supabase_pets as p
    where p._batch_id > p_from_batch and p._batch_id <= p_to_batch
    union
    select w.pet_id from staging.stg_supabase_pet_weights as w
    where w._batch_id > p_from_batch and w._batch_id <= p_to_batch and w.pet_id is not null
    union
    select e.pet_id from staging.stg_supabase_health_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.pet_id is not null
    union
    select t.pet_id from staging.stg_supabase_care_tasks as t
    where t._batch_id > p_from_batch and t._batch_id <= p_to_batch and t.pet_id is not null
    union
    -- the pets of the owners the batches changed, through idx_stg_pets_owner (an array of owners: an index
    -- scan however many, never a scan of every pet)
    select p.pet_id from staging.stg_supabase_pets as p
    where p.owner_user_id = any (array(
        select u.user_id from staging.stg_supabase_users as u where u._batch_id > p_from_batch and u._batch_id <= p_to_batch));
end;

comment on function marts.pets_touched(bigint, bigint) is
    'The pets (one row each) whose staging rows (pet, weigh-ins, health events, care tasks) or whose owner''s staging row '
    'changed in batches (p_from_batch, p_to_batch]: the touched function of the pets marts that recompute per pet.';
