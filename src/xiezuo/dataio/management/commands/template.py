from django.core.management.base import BaseCommand, CommandError

from xiezuo.dataio import specs, writers


class Command(BaseCommand):
    help = "Write an xlsx import template for an entity (households, members, facts, ...)."

    def add_arguments(self, parser):
        parser.add_argument("entity")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--lang", choices=["zh", "en"], default="zh")

    def handle(self, *args, entity, output, lang, **options):
        try:
            spec = specs.get(entity)
        except KeyError:
            raise CommandError(f"unknown entity {entity!r}; known: "
                               + ", ".join(s.entity for s in specs.all_specs())) from None
        writers.write_template(spec, output, lang=lang)
        self.stdout.write(output)
