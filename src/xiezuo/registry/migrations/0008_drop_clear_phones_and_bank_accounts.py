"""The clear phone and bank account columns go, now that 0007 encrypted them (a separate migration: see 0007)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0007_phones_and_bank_accounts_encrypted"),
    ]

    operations = [
        migrations.RemoveField(model_name="cadre", name="phone"),
        migrations.RemoveField(model_name="household", name="phone"),
        migrations.RemoveField(model_name="household", name="bank_account"),
        migrations.RemoveField(model_name="member", name="phone"),
    ]
