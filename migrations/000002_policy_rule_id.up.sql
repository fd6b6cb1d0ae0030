-- The provider's id of each security-policy rule, so that
-- server_del_hardpolicy can remove the rule at the provider too. Rows made
-- before this migration have '' (nothing to remove there).
ALTER TABLE server_security_policies ADD COLUMN provider_rule_id text NOT NULL DEFAULT '';
