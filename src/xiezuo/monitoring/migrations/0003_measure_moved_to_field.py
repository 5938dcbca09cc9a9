"""Case measures now live in `field.AssistanceMeasure` (copied by field 0001); the old table goes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_record_date_bounds'),
        ('field', '0001_assistance_measure'),
    ]

    operations = [
        migrations.DeleteModel(
            name='Measure',
        ),
    ]
