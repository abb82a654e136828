-- Wakes the outbox dispatcher the moment new rows commit: it LISTENs on this channel, and still polls
-- as a fallback. NOTIFY is delivered at commit, folded to one per transaction and channel.
-- A rule, not a trigger function: the migration runner splits scripts at every semicolon, which a
-- PL/pgSQL body cannot survive. A table with an INSERT rule refuses INSERT ... ON CONFLICT: nothing
-- upserts outbox rows (each row is one announcement).
CREATE RULE "Outbox_notify" AS ON INSERT TO "Outbox" DO ALSO NOTIFY nurtureflow_outbox;
