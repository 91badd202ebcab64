-- halo-connect schema, version 1. Applied once by PostgresStore.init, inside a transaction.
-- Every record a connection's secret or a Slack token lives in is an envelope (jsonb):
-- AES-256-GCM ciphertext, never a plain value.

create table connections (
  id text primary key,
  -- The ConnectionRecord without `secret` and `version`.
  data jsonb not null,
  -- The sealed client secret: { v, kid, iv, tag, ct }.
  secret jsonb not null,
  -- Optimistic concurrency: bumped on every write.
  version integer not null check (version > 0),
  updated_at timestamptz not null default now()
);

create table audit (
  -- Append order, the tie-breaker when two events share a time.
  seq bigserial primary key,
  id text not null unique,
  at timestamptz not null,
  platform text not null,
  workspace_id text not null,
  actor text not null,
  action text not null,
  outcome text not null,
  detail text
);

create index audit_workspace_at on audit (platform, workspace_id, at desc);
create index audit_at on audit (at desc);

create function audit_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the audit table is append-only';
end;
$$;

create trigger audit_append_only before update or delete on audit
  for each row execute function audit_is_append_only();

create table guide_progress (
  key text primary key,
  step text not null,
  updated_at timestamptz not null
);

create table reminders (
  connection_id text not null,
  -- The rotatedAt that started the cycle, kept as written.
  cycle text not null,
  stage text not null,
  due_at timestamptz not null,
  status text not null check (status in ('pending', 'claimed', 'sent', 'skipped', 'failed')),
  claimed_by text,
  lease_until timestamptz,
  sent_at timestamptz,
  attempts integer not null default 0,
  message_ref text,
  last_error text,
  primary key (connection_id, cycle, stage)
);

create index reminders_status_due on reminders (status, due_at);

create table idempotency_keys (
  key text primary key,
  expires_at timestamptz not null
);

create index idempotency_keys_expires on idempotency_keys (expires_at);

create table slack_installations (
  id text primary key,
  -- The installation with every token taken out.
  installation jsonb not null,
  -- Token name to envelope.
  tokens jsonb not null,
  updated_at timestamptz not null
);

create table conversation_refs (
  id text primary key,
  tenant_id text not null,
  conversation_id text not null,
  reference jsonb not null,
  disabled boolean not null default false,
  updated_at timestamptz not null
);

create index conversation_refs_tenant on conversation_refs (tenant_id);
