-- The lead-router app database beside Temporal's, on the same PostgreSQL.
CREATE ROLE leadrouter LOGIN PASSWORD 'leadrouter';
CREATE DATABASE leadrouter OWNER leadrouter;
