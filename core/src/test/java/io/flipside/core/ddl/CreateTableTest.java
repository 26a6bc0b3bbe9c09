package io.flipside.core.ddl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.sql.TableName;
import org.junit.jupiter.api.Test;

class CreateTableTest {
    static final TableName T = new TableName("app", "audit");

    @Test
    void theTableIsCreatedUnderTheNameTheApplierChooses() {
        CreateTable c = CreateTable.parse("CREATE TABLE IF NOT EXISTS app.`audit` (id INT PRIMARY KEY, note TEXT)"
                + " ENGINE=InnoDB;", T);
        assertEquals("CREATE TABLE `app`.`_audit_0badcafe_new` (id INT PRIMARY KEY, note TEXT) ENGINE=InnoDB",
                c.statementFor(T.sibling("_audit_0badcafe_new")));
        assertEquals("LIKE `app`.`users`", CreateTable.parse("create table audit LIKE `app`.`users`", T).definition());
    }

    @Test
    void anythingElseIsRefusedWithTheReason() {
        assertTrue(refusal("CREATE TABLE other (id INT PRIMARY KEY)").contains("creates other"));
        assertTrue(refusal("CREATE TABLE x.audit (id INT PRIMARY KEY)").contains("creates x.audit"));
        assertTrue(refusal("CREATE TEMPORARY TABLE audit (id INT)").contains("temporary"));
        assertTrue(refusal("CREATE TABLE audit (id INT); DROP TABLE users").contains("one statement"));
        assertTrue(refusal("CREATE TABLE audit AS SELECT * FROM users").contains("SELECT"));
        assertTrue(refusal("CREATE TABLE audit (id INT) SELECT 1").contains("SELECT"));
        assertTrue(refusal("CREATE INDEX i ON audit (id)").contains("CREATE TABLE"));
        assertTrue(refusal("DROP TABLE audit").contains("CREATE TABLE"));
        assertTrue(refusal("CREATE TABLE audit").contains("column list"));
        assertTrue(refusal("").contains("empty"));
    }

    private static String refusal(String sql) {
        return assertThrows(InvalidAlterException.class, () -> CreateTable.parse(sql, T)).getMessage();
    }
}
