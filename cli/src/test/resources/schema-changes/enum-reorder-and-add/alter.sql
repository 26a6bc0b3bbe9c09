MODIFY e ENUM('c','b','a','d') NOT NULL DEFAULT 'a'
