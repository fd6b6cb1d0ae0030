DROP TRIGGER IF EXISTS resellers_notify_truncate ON resellers;
DROP TRIGGER IF EXISTS resellers_notify ON resellers;
DROP FUNCTION IF EXISTS zonkvmd_resellers_notify_all();
DROP FUNCTION IF EXISTS zonkvmd_resellers_notify();
