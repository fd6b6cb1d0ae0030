-- Purchases commit the ordinary way again (no COMMIT sent in the batch of
-- their charge), so nothing raises through zonkvmd_refuse any more.
DROP FUNCTION IF EXISTS zonkvmd_refuse(text, text);
