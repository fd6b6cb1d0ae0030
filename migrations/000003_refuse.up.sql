-- zonkvmd_refuse raises an error with the given SQLSTATE. A purchase's
-- charge is sent in one batch with its COMMIT (postgres.QueryCommit), so
-- when it may not charge it must fail rather than answer nothing: the
-- failure is what keeps the COMMIT behind it from running.
CREATE FUNCTION zonkvmd_refuse(state text, message text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
END
$$;
