-- +goose Up
-- A team's course length, progression interval and extension limit are counted in the
-- calendar (domain.Period): "1y", "6mo". Before periods existed a year could only be written
-- as 365 days, half a year as 182: those stored values mean the calendar's year and half year
-- for the courses referred from now on (a course already running keeps the lengths it was
-- referred with, in its workflow).
CREATE FUNCTION pg_temp.calendar_periods(s jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT s
        || CASE s->>'course_length' WHEN '365d' THEN '{"course_length": "1y"}' WHEN '730d' THEN '{"course_length": "2y"}'
                WHEN '1095d' THEN '{"course_length": "3y"}' ELSE '{}' END::jsonb
        || CASE s->>'progression_interval' WHEN '182d' THEN '{"progression_interval": "6mo"}'
                WHEN '183d' THEN '{"progression_interval": "6mo"}' ELSE '{}' END::jsonb
        || CASE s->>'max_extension' WHEN '365d' THEN '{"max_extension": "1y"}' ELSE '{}' END::jsonb
$$;
UPDATE teams SET settings = pg_temp.calendar_periods(settings);
UPDATE team_settings_versions SET settings = pg_temp.calendar_periods(settings);

-- +goose Down
-- Nothing to undo: "1y" and "6mo" are read by every version that reads periods.
SELECT 1;
