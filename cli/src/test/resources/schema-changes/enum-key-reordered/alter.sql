MODIFY kind ENUM('c','b','a','d') NOT NULL
