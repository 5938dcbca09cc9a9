"""PostgreSQL roles for production: an owner that migrates, an application role that cannot
rewrite history.

The owner owns every table (it runs `xiezuo migrate`); the application connects as the app
role, which may read and write the domain tables but on the audit log only SELECT and
INSERT (and SELECT/INSERT/UPDATE on the one-row chain head). Not being the owner, it cannot
TRUNCATE, ALTER or disable the triggers either. See docs/access.md.
"""

from __future__ import annotations

from psycopg import sql

AUDIT_TABLE = "accounts_auditentry"
HEAD_TABLE = "accounts_auditchainhead"


def app_role_statements(*, app_role: str, owner_role: str, schema: str = "public",
                        password: str | None = None) -> list[sql.Composable]:
    """The statements that create (if needed) and limit the application's role; run as the owner
    or a superuser after `migrate`, and again after migrations that add tables."""
    app, owner, sch = sql.Identifier(app_role), sql.Identifier(owner_role), sql.Identifier(schema)
    audit = sql.Identifier(schema, AUDIT_TABLE)
    head = sql.Identifier(schema, HEAD_TABLE)
    create = sql.SQL("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN "
                     "CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; END IF; END $$")
    statements = [create.format(name=sql.Literal(app_role), app=app)]
    if password:
        statements.append(sql.SQL("ALTER ROLE {app} PASSWORD {pw}").format(app=app, pw=sql.Literal(password)))
    statements += [
        sql.SQL("GRANT USAGE ON SCHEMA {sch} TO {app}").format(sch=sch, app=app),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {app}").format(sch=sch, app=app),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app}").format(sch=sch, app=app),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}").format(sch=sch, app=app),
        # tables that later migrations create, by the owner
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}").format(owner=owner, sch=sch, app=app),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} "
                "GRANT USAGE, SELECT ON SEQUENCES TO {app}").format(owner=owner, sch=sch, app=app),
        # the audit log: append and read only
        sql.SQL("REVOKE ALL ON {t} FROM {app}").format(t=audit, app=app),
        sql.SQL("GRANT SELECT, INSERT ON {t} TO {app}").format(t=audit, app=app),
        sql.SQL("REVOKE ALL ON {t} FROM {app}").format(t=head, app=app),
        sql.SQL("GRANT SELECT, INSERT, UPDATE ON {t} TO {app}").format(t=head, app=app),
    ]
    return statements
