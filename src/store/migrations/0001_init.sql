-- 0001_init: Mission Control's tables, and the SQL functions that hold Moose's atomic guarantees
-- (idempotent event recording, claim-with-lease, one active work order per issue) so every adapter shares them.
-- Runnable as-is in Supabase's SQL editor: it records itself in schema_migrations at the end.

create table if not exists schema_migrations (
  version text primary key,
  applied_at timestamptz not null default now()
);

create table projects (
  id uuid primary key default gen_random_uuid(),
  installation_id bigint not null,
  github_repo_id bigint not null unique,
  owner text not null,
  repo text not null,
  default_branch text not null,
  status text not null default 'active' check (status in ('active', 'inactive')),
  created_at timestamptz not null default now()
);

create table work_orders (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  issue_number integer not null check (issue_number > 0),
  title text not null,
  description text not null default '',
  acceptance_criteria text[] not null default '{}',
  files_in_scope text[] not null default '{}',
  risk_level text not null default 'medium' check (risk_level in ('low', 'medium', 'high')),
  depends_on integer[] not null default '{}',
  status text not null check (status in (
    'pending', 'awaiting_approval', 'approved', 'proposing', 'dispatching', 'running', 'publishing',
    'pr_open', 'checks_passed', 'checks_failed', 'completed', 'cancelled', 'escalated'
  )),
  attempt integer not null default 1 check (attempt >= 1),
  lease_owner text,
  lease_expires_at timestamptz,
  branch text,
  pr_number integer,
  pr_url text,
  run_id bigint,
  tracking_comment_id bigint,
  metadata jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp()
);

-- The "one active work order per issue" rule: concurrent webhook deliveries for the same issue cannot both create one.
create unique index work_orders_one_active_per_issue
  on work_orders (project_id, issue_number)
  where status not in ('completed', 'cancelled');
create index work_orders_by_issue on work_orders (project_id, issue_number, created_at desc);
create index work_orders_by_pr on work_orders (project_id, pr_number) where pr_number is not null;
create index work_orders_claimable on work_orders (status, updated_at);

create table cost_tracking (
  id uuid primary key default gen_random_uuid(),
  -- Costs outlive the work order they were spent on: the budget must still count them.
  work_order_id uuid references work_orders (id) on delete set null,
  attempt integer not null default 1,
  stage text not null,
  provider text not null,
  model text not null,
  -- Token counts are null when the provider reported no usage (e.g. the call failed mid-stream).
  input_tokens integer check (input_tokens >= 0),
  output_tokens integer check (output_tokens >= 0),
  cache_read_tokens integer check (cache_read_tokens >= 0),
  cache_write_tokens integer check (cache_write_tokens >= 0),
  -- null means the price was unknown, which is not the same as free.
  cost_usd numeric(14, 6),
  -- true when cost_usd is an estimate (e.g. the reserved upper bound of a call whose usage was lost).
  cost_estimated boolean not null default false,
  latency_ms integer,
  created_at timestamptz not null default clock_timestamp()
);
create index cost_tracking_by_time on cost_tracking (created_at);
create index cost_tracking_by_work_order on cost_tracking (work_order_id);

create table escalations (
  id uuid primary key default gen_random_uuid(),
  work_order_id uuid not null references work_orders (id) on delete cascade,
  type text not null,
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  message text not null,
  resolution_options text[] not null default '{}',
  status text not null default 'open' check (status in ('open', 'resolved')),
  resolved_by text,
  created_at timestamptz not null default clock_timestamp(),
  resolved_at timestamptz
);
create index escalations_open on escalations (work_order_id) where status = 'open';

-- agent is deliberately unconstrained: new agents should not need a migration to log decisions.
create table decision_logs (
  id uuid primary key default gen_random_uuid(),
  work_order_id uuid references work_orders (id) on delete cascade,
  agent text not null,
  decision text not null,
  reason text not null,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default clock_timestamp()
);
create index decision_logs_by_work_order on decision_logs (work_order_id, created_at);

create table github_events (
  delivery_id text primary key,
  name text not null,
  action text,
  installation_id bigint,
  repo_full_name text,
  payload jsonb not null,
  attempts integer not null default 0,
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  received_at timestamptz not null default clock_timestamp(),
  processed_at timestamptz,
  outcome text
);
create index github_events_unprocessed on github_events (received_at) where processed_at is null;

create table outcome_vectors (
  id uuid primary key default gen_random_uuid(),
  work_order_id uuid not null references work_orders (id) on delete cascade,
  attempt integer not null,
  model text,
  complexity double precision,
  success boolean not null,
  cost_usd numeric(14, 6),
  duration_ms integer,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default clock_timestamp(),
  unique (work_order_id, attempt)
);

-- Supabase exposes the public schema over HTTP: with RLS on and no policies, only the service role (which bypasses
-- RLS) and the table owner can touch these rows. On plain PostgreSQL and PGlite the owner is unaffected.
alter table schema_migrations enable row level security;
alter table projects enable row level security;
alter table work_orders enable row level security;
alter table cost_tracking enable row level security;
alter table escalations enable row level security;
alter table decision_logs enable row level security;
alter table github_events enable row level security;
alter table outcome_vectors enable row level security;

-- Records a webhook delivery once; true when this call inserted it.
-- p_not_before_ms > 0 records an event that becomes claimable only that much later: Moose's own scheduled
-- re-checks (e.g. the Sentinel at the end of a settle window) travel through the same durable queue.
create function moose_record_event(
  p_delivery_id text, p_name text, p_action text, p_installation_id bigint, p_repo_full_name text, p_payload jsonb,
  p_not_before_ms integer default 0
) returns boolean language plpgsql as $$
begin
  insert into github_events (delivery_id, name, action, installation_id, repo_full_name, payload, lease_owner, lease_expires_at)
  values (
    p_delivery_id, p_name, p_action, p_installation_id, p_repo_full_name, p_payload,
    case when p_not_before_ms > 0 then 'scheduled' end,
    case when p_not_before_ms > 0 then now() + p_not_before_ms * interval '1 millisecond' end
  )
  on conflict (delivery_id) do nothing;
  return found;
end;
$$;

-- Leases up to p_limit unprocessed events whose lease is free or expired; each claim counts as an attempt so an
-- event that crashes its worker is eventually closed instead of retried forever.
create function moose_claim_events(p_owner text, p_limit integer, p_lease_ms integer)
returns setof github_events language sql as $$
  with candidates as (
    select delivery_id from github_events
    where processed_at is null and (lease_expires_at is null or lease_expires_at <= now())
    order by received_at, delivery_id
    limit p_limit
    for update skip locked
  ), claimed as (
    update github_events e
    set lease_owner = p_owner,
        lease_expires_at = now() + p_lease_ms * interval '1 millisecond',
        attempts = e.attempts + 1
    from candidates c
    where e.delivery_id = c.delivery_id
    returning e.*
  )
  select * from claimed order by received_at, delivery_id;
$$;

create function moose_complete_event(p_delivery_id text, p_outcome text)
returns void language sql as $$
  update github_events
  set processed_at = now(), outcome = p_outcome, lease_owner = null, lease_expires_at = null
  where delivery_id = p_delivery_id and processed_at is null;
$$;

create function moose_fail_event(p_delivery_id text, p_error text, p_max_attempts integer, p_retry_after_ms integer default 0)
returns void language sql as $$
  -- The event becomes claimable again after p_retry_after_ms (the caller's back-off), or is closed for good.
  update github_events
  set last_error = left(p_error, 4000),
      lease_owner = null,
      lease_expires_at = case when attempts >= p_max_attempts or p_retry_after_ms <= 0 then null
                              else now() + p_retry_after_ms * interval '1 millisecond' end,
      processed_at = case when attempts >= p_max_attempts then now() end,
      outcome = case when attempts >= p_max_attempts then 'failed: ' || left(p_error, 500) end
  where delivery_id = p_delivery_id and processed_at is null;
$$;

-- Creates the issue's work order, or returns the active one (created = false). The partial unique index decides
-- races; the loop covers the window where the conflicting row finished between our insert and our select.
create function moose_create_work_order(
  p_project_id uuid, p_issue_number integer, p_title text, p_description text, p_acceptance_criteria text[],
  p_files_in_scope text[], p_risk_level text, p_depends_on integer[], p_status text, p_metadata jsonb
) returns table (created boolean, work_order jsonb) language plpgsql as $$
declare
  v_row work_orders;
begin
  if p_status not in ('pending', 'awaiting_approval', 'approved') then
    raise exception 'a new work order cannot start in status %', p_status using errcode = '22023';
  end if;
  for attempt_number in 1..5 loop
    insert into work_orders (
      project_id, issue_number, title, description, acceptance_criteria, files_in_scope, risk_level, depends_on,
      status, metadata
    ) values (
      p_project_id, p_issue_number, p_title, p_description, p_acceptance_criteria, p_files_in_scope, p_risk_level,
      p_depends_on, p_status, coalesce(p_metadata, '{}'::jsonb)
    )
    on conflict (project_id, issue_number) where status not in ('completed', 'cancelled') do nothing
    returning * into v_row;
    if found then
      return query select true, to_jsonb(v_row);
      return;
    end if;
    select * into v_row from work_orders w
    where w.project_id = p_project_id and w.issue_number = p_issue_number
      and w.status not in ('completed', 'cancelled');
    if found then
      return query select false, to_jsonb(v_row);
      return;
    end if;
  end loop;
  raise exception 'could not create or find the active work order for issue %', p_issue_number;
end;
$$;

-- Compare-and-set update. p_patch uses column names as keys; a present key with JSON null clears the column,
-- an absent key keeps it; metadata is merged shallowly. p_from / p_to / p_lease_owner null mean "no condition".
create function moose_update_work_order(
  p_id uuid, p_patch jsonb, p_from text[], p_to text, p_lease_owner text
) returns setof work_orders language sql as $$
  update work_orders
  set status = coalesce(p_to, status),
      attempt = case when p_patch ? 'attempt' then (p_patch ->> 'attempt')::integer else attempt end,
      branch = case when p_patch ? 'branch' then p_patch ->> 'branch' else branch end,
      pr_number = case when p_patch ? 'pr_number' then (p_patch ->> 'pr_number')::integer else pr_number end,
      pr_url = case when p_patch ? 'pr_url' then p_patch ->> 'pr_url' else pr_url end,
      run_id = case when p_patch ? 'run_id' then (p_patch ->> 'run_id')::bigint else run_id end,
      tracking_comment_id = case when p_patch ? 'tracking_comment_id'
        then (p_patch ->> 'tracking_comment_id')::bigint else tracking_comment_id end,
      metadata = case when p_patch ? 'metadata' then metadata || (p_patch -> 'metadata') else metadata end,
      updated_at = clock_timestamp()
  where id = p_id
    and (p_from is null or status = any (p_from))
    and (p_lease_owner is null or (lease_owner = p_lease_owner and lease_expires_at > now()))
  returning *;
$$;

-- Leases the work order in one of p_statuses that has waited longest; SKIP LOCKED keeps concurrent claimers
-- from ever receiving the same row.
create function moose_claim_work_order(p_owner text, p_statuses text[], p_lease_ms integer)
returns setof work_orders language sql as $$
  with candidate as (
    select id from work_orders
    where status = any (p_statuses) and (lease_expires_at is null or lease_expires_at <= now())
    order by updated_at, id
    limit 1
    for update skip locked
  )
  update work_orders w
  set lease_owner = p_owner, lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
  from candidate c
  where w.id = c.id
  returning w.*;
$$;

create function moose_renew_lease(p_id uuid, p_owner text, p_lease_ms integer)
returns boolean language plpgsql as $$
begin
  update work_orders
  set lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
  where id = p_id and lease_owner = p_owner and lease_expires_at > now();
  return found;
end;
$$;

create function moose_release_lease(p_id uuid, p_owner text)
returns void language sql as $$
  update work_orders set lease_owner = null, lease_expires_at = null
  where id = p_id and lease_owner = p_owner;
$$;

-- Leases one specific work order when its lease is free, expired or already p_owner's, whatever its status.
create function moose_acquire_lease(p_id uuid, p_owner text, p_lease_ms integer)
returns setof work_orders language sql as $$
  update work_orders
  set lease_owner = p_owner, lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
  where id = p_id and (lease_owner is null or lease_expires_at <= now() or lease_owner = p_owner)
  returning *;
$$;

-- Moves a leased 'approved' work order to 'proposing' when fewer than p_global_limit work orders are in flight
-- (and fewer than p_model_limit on p_model, when given). The advisory lock serialises count-then-update across
-- instances; under read committed each holder sees the rows committed by earlier holders.
-- outcome: 'started' (work_order set), 'capacity', or 'lost' (status or lease no longer match).
create function moose_start_work_order(
  p_id uuid, p_owner text, p_model text, p_global_limit integer, p_model_limit integer, p_patch jsonb
) returns table (outcome text, work_order jsonb) language plpgsql as $$
declare
  v_in_flight text[] := array['proposing', 'dispatching', 'running', 'publishing'];
  v_row work_orders;
begin
  perform pg_advisory_xact_lock(hashtext('moose_capacity:' || current_schema()));
  perform 1 from work_orders w
  where w.id = p_id and w.status = 'approved' and w.lease_owner = p_owner and w.lease_expires_at > now();
  if not found then
    return query select 'lost'::text, null::jsonb;
    return;
  end if;
  if (select count(*) from work_orders w where w.status = any (v_in_flight)) >= p_global_limit
     or (p_model_limit is not null and (
       select count(*) from work_orders w where w.status = any (v_in_flight) and w.metadata ->> 'model' = p_model
     ) >= p_model_limit) then
    return query select 'capacity'::text, null::jsonb;
    return;
  end if;
  select * into v_row from moose_update_work_order(p_id, p_patch, array['approved'], 'proposing', p_owner);
  if v_row.id is null then
    return query select 'lost'::text, null::jsonb;
    return;
  end if;
  return query select 'started'::text, to_jsonb(v_row);
end;
$$;

-- Resolves every open escalation of a work order; returns how many there were.
create function moose_resolve_escalations(p_work_order_id uuid, p_resolved_by text)
returns integer language plpgsql as $$
declare
  v_count integer;
begin
  update escalations set status = 'resolved', resolved_by = p_resolved_by, resolved_at = now()
  where work_order_id = p_work_order_id and status = 'open';
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

insert into schema_migrations (version) values ('0001_init') on conflict (version) do nothing;
