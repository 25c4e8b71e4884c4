// Supabase Edge Function entry point: the environment is read here and nowhere else.
import { buildHandler } from "./main.ts";

Deno.serve(buildHandler(Deno.env.toObject()));
