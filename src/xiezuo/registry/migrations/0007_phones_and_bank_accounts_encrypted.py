"""Phones and bank accounts: encrypted at rest with a masked column, like identity numbers.

The new columns are added and every stored value is encrypted into them (in batches; the field keys are the
running settings', XIEZUO_FIELD_KEYS or <data dir>/field.keys); 0008 then drops the clear columns. PostgreSQL refuses to alter a
table with deferred foreign-key checks pending from updates in the same transaction: the updates run them at once.
Reversible: going back decrypts into the clear columns again."""

from django.db import migrations, models

SEALED = (("Cadre", "phone", "phone"), ("Household", "phone", "phone"),
          ("Household", "bank_account", "account"), ("Member", "phone", "phone"))
BATCH = 5000


def _checks_now(schema_editor) -> None:
    """Run PostgreSQL's deferred foreign-key checks of the rows just updated, so the same transaction may alter
    the table afterwards (it refuses while trigger events are pending)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def encrypt_existing(apps, schema_editor):
    from xiezuo.accounts import crypto

    for model_name, field, kind in SEALED:
        model = apps.get_model("registry", model_name)
        rows = model.objects.exclude(**{field: ""}).only("pk", field).order_by("pk")
        batch = []
        for obj in rows.iterator(chunk_size=BATCH):
            enc, masked = crypto.seal(getattr(obj, field), kind)
            setattr(obj, f"{field}_enc", enc)
            setattr(obj, f"{field}_masked", masked)
            batch.append(obj)
            if len(batch) == BATCH:
                model.objects.bulk_update(batch, [f"{field}_enc", f"{field}_masked"])
                batch = []
        model.objects.bulk_update(batch, [f"{field}_enc", f"{field}_masked"])
    _checks_now(schema_editor)


def decrypt_back(apps, schema_editor):
    from xiezuo.accounts import crypto

    for model_name, field, _kind in SEALED:
        model = apps.get_model("registry", model_name)
        batch = []
        for obj in model.objects.exclude(**{f"{field}_enc": ""}).only("pk", f"{field}_enc").iterator(chunk_size=BATCH):
            setattr(obj, field, crypto.unseal(getattr(obj, f"{field}_enc")))
            batch.append(obj)
        model.objects.bulk_update(batch, [field], batch_size=BATCH)
    _checks_now(schema_editor)


def _sealed_fields(model_name: str, field: str, label: str, length: int) -> list:
    return [
        migrations.AddField(model_name=model_name, name=f"{field}_enc",
                            field=models.TextField(blank=True, editable=False, verbose_name=f"{label} (encrypted)")),
        migrations.AddField(model_name=model_name, name=f"{field}_masked",
                            field=models.CharField(blank=True, editable=False, max_length=length, verbose_name=label)),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0006_record_date_bounds"),
    ]

    operations = [
        *_sealed_fields("cadre", "phone", "phone", 20),
        *_sealed_fields("household", "phone", "phone", 20),
        *_sealed_fields("household", "bank_account", "bank account", 32),
        *_sealed_fields("member", "phone", "phone", 20),
        migrations.RunPython(encrypt_existing, decrypt_back, elidable=False),
    ]
