DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS party_availability;
DROP TABLE IF EXISTS mediator_busy;
DROP TABLE IF EXISTS availability_exceptions;
DROP TABLE IF EXISTS mediator_availability;
