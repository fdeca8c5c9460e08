"""learncity rotate_keys [--secret-key] [--pii-key]: new SECRET_KEY and personal-data key (both by default)."""

from django.core.management.base import BaseCommand, CommandError

from learncity.people.rotation import RotationRefused, keys_rotate


class Command(BaseCommand):
    help = ("Rotate SECRET_KEY (signs everyone out) and LEARNCITY_PII_KEY (re-encrypts every resident's ID number "
            "in one transaction). Keys in the data folder are replaced there; a PII key from the environment "
            "needs the new one in LEARNCITY_NEW_PII_KEY.")

    def add_arguments(self, parser):
        parser.add_argument("--secret-key", action="store_true", help="only SECRET_KEY")
        parser.add_argument("--pii-key", action="store_true", help="only LEARNCITY_PII_KEY")

    def handle(self, *args, secret_key=False, pii_key=False, **options):
        both = not (secret_key or pii_key)
        try:
            done = keys_rotate(secret_key=both or secret_key, pii_key=both or pii_key,
                               progress=lambda n: self.stderr.write(f"\r{n} profiles", ending=""))
        except RotationRefused as exc:
            raise CommandError(str(exc)) from exc
        if done.pii_key_written or done.pii_key_to_set:
            self.stdout.write(f"PII key rotated: {done.profiles} learner profiles re-encrypted, "
                              f"{done.staged_hashes_cleared} staged intake hashes cleared")
        if done.pii_key_written:
            self.stdout.write(f"new PII key written to {done.pii_key_written}")
        if done.pii_key_to_set:
            self.stdout.write("now put the value of LEARNCITY_NEW_PII_KEY into LEARNCITY_PII_KEY and restart")
        if done.secret_key_written:
            self.stdout.write(f"new SECRET_KEY written to {done.secret_key_written}: restart the server "
                              "(everyone signs in again)")
