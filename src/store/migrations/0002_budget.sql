-- Budget reservations: money is reserved before every LLM call and settled after, so concurrent calls cannot
-- push a month's spend past a limit. All writers go through the functions below, which serialise per month.

create table if not exists budget_reservations (
  id uuid primary key default gen_random_uuid(),
  month text not null check (month ~ '^[0-9]{4}-[0-9]{2}$'),
  work_order_id uuid null references work_orders (id) on delete set null,
  amount_usd numeric not null check (amount_usd >= 0),
  status text not null default 'reserved' check (status in ('reserved', 'settled', 'released')),
  actual_usd numeric null check (actual_usd >= 0),
  created_at timestamptz not null default now(),
  settled_at timestamptz null,
  check ((status = 'settled') = (actual_usd is not null))
);

create index if not exists budget_reservations_month_idx on budget_reservations (month, status);
create index if not exists budget_reservations_work_order_idx on budget_reservations (work_order_id);

-- What a month has committed: settled calls at their actual cost, open reservations at their (upper-bound) amount.
-- A reservation left open by a crashed worker keeps counting at its estimate, which errs on the safe side.
create or replace function moose_month_spend(p_month text)
returns table (spent numeric, reserved numeric)
language sql stable as $$
  select
    coalesce(sum(actual_usd) filter (where status = 'settled'), 0)::numeric as spent,
    coalesce(sum(amount_usd) filter (where status = 'reserved'), 0)::numeric as reserved
  from budget_reservations
  where month = p_month
$$;

-- The per-month lock every writer takes. Called from the functions below, each running in its caller's transaction;
-- under read committed every statement after the lock sees all rows committed by earlier lock holders.
create or replace function moose_lock_budget_month(p_month text)
returns void
language plpgsql as $$
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'moose budget functions need read committed isolation (got %): an older snapshot could overspend',
      current_setting('transaction_isolation');
  end if;
  perform pg_advisory_xact_lock(hashtext('moose_budget:' || p_month));
end
$$;

-- Reserves p_amount for one call; returns the reservation id, or NULL when spent + reserved + p_amount would
-- exceed p_limit (nothing is inserted then).
create or replace function moose_reserve_budget(p_month text, p_work_order_id uuid, p_amount numeric, p_limit numeric)
returns uuid
language plpgsql as $$
declare
  v_spent numeric;
  v_reserved numeric;
  v_id uuid;
begin
  if p_amount is null or p_amount < 0 then
    raise exception 'moose_reserve_budget: p_amount must be a non-negative number, got %', p_amount;
  end if;
  if p_limit is null or p_limit < 0 then
    raise exception 'moose_reserve_budget: p_limit must be a non-negative number, got %', p_limit;
  end if;
  perform moose_lock_budget_month(p_month);
  select s.spent, s.reserved into v_spent, v_reserved from moose_month_spend(p_month) s;
  if v_spent + v_reserved + p_amount > p_limit then
    return null;
  end if;
  insert into budget_reservations (month, work_order_id, amount_usd)
  values (p_month, p_work_order_id, p_amount)
  returning id into v_id;
  return v_id;
end
$$;

-- Replaces a reservation by what the call actually cost. Returns false when the reservation is not open
-- (unknown id, or already settled/released), so a repeated settle changes nothing.
create or replace function moose_settle_budget(p_id uuid, p_actual numeric)
returns boolean
language plpgsql as $$
declare
  v_month text;
begin
  if p_actual is null or p_actual < 0 then
    raise exception 'moose_settle_budget: p_actual must be a non-negative number, got %', p_actual;
  end if;
  select month into v_month from budget_reservations where id = p_id;
  if v_month is null then
    return false;
  end if;
  perform moose_lock_budget_month(v_month);
  update budget_reservations
     set status = 'settled', actual_usd = p_actual, settled_at = now()
   where id = p_id and status = 'reserved';
  return found;
end
$$;

-- Gives a reservation back when the call never ran or cost nothing (e.g. refused before any tokens were billed).
create or replace function moose_release_budget(p_id uuid)
returns boolean
language plpgsql as $$
declare
  v_month text;
begin
  select month into v_month from budget_reservations where id = p_id;
  if v_month is null then
    return false;
  end if;
  perform moose_lock_budget_month(v_month);
  update budget_reservations
     set status = 'released', settled_at = now()
   where id = p_id and status = 'reserved';
  return found;
end
$$;

insert into schema_migrations (version) values ('0002_budget') on conflict (version) do nothing;
