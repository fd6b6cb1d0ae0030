DROP FUNCTION zonkvmd_refuse(text, text);
