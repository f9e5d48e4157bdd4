-- The relationship memory's own database beside the conversations' (POSTGRES_DB).
CREATE DATABASE rapport_memory OWNER rapport;
