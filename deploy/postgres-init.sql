-- Caucus: first-start initialisation of the `database` container (compose.yaml).
--
-- The official postgres image runs this file once, as its superuser, when the
-- data volume is empty (it is skipped on every later start). It creates:
--   * the owner role `caucus`: runs `caucus migrate` and `caucus seed`. It needs
--       CREATEROLE  to create the API role `caucus_app` and set its password, and
--       BYPASSRLS   because row-level security is FORCEd on tenant tables, so the
--                   owner is bound by it too; the narrow SECURITY DEFINER lookups
--                   that run before a tenant is known (sign-in, memberships, org by
--                   slug) run as this owner and would otherwise see no rows.
--     It is deliberately not a superuser.
--   * the database `caucus`, owned by `caucus` (so, on PostgreSQL 15+, the owner
--     may create objects in its `public` schema).
-- The API's own role, `caucus_app` (NOLOGIN NOBYPASSRLS, owns nothing), is NOT
-- created here: `caucus migrate` creates it and gives it the password found in
-- database.url (CAUCUS__DATABASE__URL).
--
-- The owner's password comes from the container's CAUCUS_DB_OWNER_PASSWORD
-- (read with psql's \getenv, PostgreSQL 15+), never from this file.

\set ON_ERROR_STOP on

\getenv owner_password CAUCUS_DB_OWNER_PASSWORD
\if :{?owner_password}
\else
    DO $$ BEGIN
        RAISE EXCEPTION 'CAUCUS_DB_OWNER_PASSWORD is not set for the database container';
    END $$;
\endif

CREATE ROLE caucus WITH LOGIN NOSUPERUSER NOCREATEDB CREATEROLE BYPASSRLS
    PASSWORD :'owner_password';

CREATE DATABASE caucus WITH OWNER caucus ENCODING 'UTF8' TEMPLATE template0;
