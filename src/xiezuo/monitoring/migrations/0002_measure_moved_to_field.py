"""Case measures now live in `field.AssistanceMeasure` (copied by field 0001); the old table goes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0001_initial'),
        ('field', '0001_assistance_measure'),
    ]

    operations = [
        migrations.DeleteModel(
            name='Measure',
        ),
    ]
