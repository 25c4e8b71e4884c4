// Entry for Supabase's edge runtime (supabase/config.toml [functions.partition-maintenance]).
import { buildHandler } from "./main.ts";

Deno.serve(buildHandler(Deno.env.toObject()));
