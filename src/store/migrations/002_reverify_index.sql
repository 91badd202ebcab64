-- halo-connect schema, version 2: an index for the hourly re-verification pass, which reads
-- only the connections due for it. Without it that pass reads every connection (a seq scan
-- of 100,000 rows took 0.2 s; see docs/performance.md).

-- When a connection is due for re-verification, as text ordered in the "C" collation: its
-- last verification time (as the service writes it, an ISO-8601 UTC time with milliseconds),
-- or '' (due at once) when it was never verified, when its time is in any other form, or
-- while it still holds a retiring client id to check.
create function connection_reverify_key(data jsonb) returns text
  language sql immutable parallel safe as $$
    select case
      when data ? 'retiring' then ''
      when coalesce(data->>'lastVerifiedAt', '')
        ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$' then data->>'lastVerifiedAt'
      else ''
    end
  $$;

create index connections_reverify on connections ((connection_reverify_key(data)) collate "C");
