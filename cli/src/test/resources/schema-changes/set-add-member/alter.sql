MODIFY st SET('x','y','z') NULL
