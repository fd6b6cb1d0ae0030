CREATE FUNCTION zonkvmd_refuse(state text, message text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
END
$$;
