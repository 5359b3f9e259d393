-- +goose Up
-- A claim whose request failed on the server's side is kept, marked released, instead of
-- deleted: the same request may take it over at once and run again, but another request with
-- the key is still refused (it was deleted, so a retry with another body under the same key
-- ran as a new request beside whatever the first had done).
ALTER TABLE idempotency_keys ADD COLUMN released boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN released;
