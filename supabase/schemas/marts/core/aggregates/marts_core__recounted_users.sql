-- The users whose every count in the pre-aggregated marts must be recomputed, shared by their touched
-- functions: a user who opted out of analytics or back in, appeared for the first time, or was hard-deleted
-- counts in (or leaves) every day, week or cohort they were ever active in, not only the ones the batches'
-- events name. warehouse.forget_user names a user it is about to erase with the batch 0 and recomputes the
-- aggregates for batches (-1, 0] (warehouse.recount_aggregates_without). Found from marts_core_dim_users._opt_out_batch_id (the dimension compares the flag
-- with its previous row when it recomputes a user) and the hard deletes of staging.
--
-- In its own file, named to sort before the aggregate models of every domain (schema_paths applies
-- ./schemas/marts/*/aggregates/*.sql in lexicographic order, core first, and '_' sorts before every
-- letter): their BEGIN ATOMIC functions call this one, and such a body is checked when it is created.

create function marts.kpi_recounted_users(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid)
language sql
stable
begin atomic
    select d.user_id
    from marts.marts_core_dim_users as d
    where d._opt_out_batch_id > p_from_batch and d._opt_out_batch_id <= p_to_batch
    union
    select u.user_id
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch and u.is_hard_deleted
    union
    -- a model's first run (or a full refresh) counts everyone, also users the dimension has not
    -- recomputed since it gained _opt_out_batch_id
    select d.user_id
    from marts.marts_core_dim_users as d
    where p_from_batch = 0;
end;

comment on function marts.kpi_recounted_users(bigint, bigint) is
    'The users (one row each) whose counts in every pre-aggregated mart batches (p_from_batch, p_to_batch] may have '
    'changed whatever their events: opted out of analytics or back in, new to the dimension, or hard-deleted; every user '
    'when p_from_batch is 0 (a model''s first run).';
