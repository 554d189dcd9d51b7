DROP INDEX IF EXISTS idx_organization_members_user;
DROP TABLE IF EXISTS organization_members;
