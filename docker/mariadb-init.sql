-- One database per server; the quire user (created by the image from MARIADB_USER) gets all three.
CREATE DATABASE IF NOT EXISTS quire_central CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS quire_site_brno CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS quire_site_ostrava CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL ON quire_central.* TO 'quire'@'%';
GRANT ALL ON quire_site_brno.* TO 'quire'@'%';
GRANT ALL ON quire_site_ostrava.* TO 'quire'@'%';
