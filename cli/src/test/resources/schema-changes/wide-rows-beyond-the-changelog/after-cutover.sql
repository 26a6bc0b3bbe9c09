-- A change of a wide row on the new table, carried to the old one through the inverse mapping.
UPDATE t SET note = 'after the cut-over', c1 = REPEAT('z', 3000) WHERE code = 'k2';
