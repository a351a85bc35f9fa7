DROP TABLE events;
DROP FUNCTION events_append_only();
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE branches;
DROP TABLE distributors;
