CREATE TABLE "catalog_version" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "catalog_version_single_row" CHECK ("catalog_version"."id" = 1)
);
--> statement-breakpoint
-- Hand-written: the row exists from the start, and every statement that
-- changes the catalog moves its version inside the same transaction, so a
-- process that reads the new version also reads the change (decision 015,
-- "Catalog in memory"). Statement-level: one bump per statement, however
-- many rows it touches. TRUNCATE counts too.
INSERT INTO "catalog_version" ("id", "version") VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION catalog_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER providers_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON providers
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
--> statement-breakpoint
CREATE TRIGGER models_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON models
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
--> statement-breakpoint
CREATE TRIGGER model_routes_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON model_routes
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
