"""Stored identity-number masks keep the last 4 characters only (`5108**********1234` becomes
`**************1234`): the first 4, the birth date and the check digit together rebuilt the
number (issue 12). The new mask is derived from the old one; nothing is decrypted."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Length, Right


def last_four(apps, schema_editor):
    Member = apps.get_model("registry", "Member")
    for length in (15, 18):
        (Member.objects.annotate(n=Length("id_number_masked")).filter(n=length)
         .update(id_number_masked=Concat(Value("*" * (length - 4)), Right("id_number_masked", 4))))


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_summary")]

    operations = [migrations.RunPython(last_four, migrations.RunPython.noop)]
