-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "behaviourScore" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "scoreHalfLifeDays" DOUBLE PRECISION,
ADD COLUMN     "scoredAt" TIMESTAMP(3);


-- The running score of existing contacts, from their recorded points as ingestion computed it: decayed
-- with the stored half-life (30 days when the rules were never edited) to now, or to the latest point
-- when it is later. A contact whose rules differ later is rebuilt from its points on its next event.
WITH rules AS (
    SELECT CASE WHEN s.key IS NULL THEN 30 ELSE (s.value->>'halfLifeDays')::float8 END AS half_life
    FROM (SELECT 1) AS one LEFT JOIN "Setting" s ON s.key = 'rules.scoring'
), latest AS (
    SELECT "contactId", GREATEST(date_trunc('milliseconds', now() AT TIME ZONE 'UTC'), max("occurredAt")) AS at
    FROM "ScoreContribution" GROUP BY "contactId"
), running AS (
    SELECT p."contactId", l.at, r.half_life,
        -- Capped at 1,000 half-lives (a factor below 1e-301): float8 power raises an error on underflow.
        sum(p.points * CASE WHEN r.half_life IS NULL THEN 1 ELSE
            power(0.5, LEAST(1000, extract(epoch FROM l.at - p."occurredAt") / 86400 / r.half_life)) END) AS points
    FROM "ScoreContribution" p JOIN latest l USING ("contactId") CROSS JOIN rules r
    GROUP BY p."contactId", l.at, r.half_life
)
UPDATE "Contact" c SET "behaviourScore" = running.points, "scoredAt" = running.at, "scoreHalfLifeDays" = running.half_life
FROM running WHERE c.id = running."contactId";
