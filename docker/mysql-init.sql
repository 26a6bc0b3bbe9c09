-- Users and a sample table for docker-compose.yml. One user serves all roles here; in production give each role
-- only the grants the README lists.
CREATE USER 'flipside'@'%' IDENTIFIED BY 'flipside';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD, SHOW DATABASES ON *.* TO 'flipside'@'%';
GRANT ALL ON `_flipside`.* TO 'flipside'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, LOCK TABLES ON `app`.* TO 'flipside'@'%';
CREATE DATABASE app;
CREATE TABLE app.users (id BIGINT PRIMARY KEY, name VARCHAR(64), title VARCHAR(64));
INSERT INTO app.users VALUES (1, 'Ada', 'engineer'), (2, 'Grace', 'admiral'), (3, 'Linus', NULL);
