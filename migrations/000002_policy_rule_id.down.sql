ALTER TABLE server_security_policies DROP COLUMN provider_rule_id;
