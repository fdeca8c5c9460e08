"""learncity rotate_keys [--secret-key] [--pii-key]: new SECRET_KEY and personal-data key (both by default)."""

from django.core.management.base import BaseCommand, CommandError

from learncity.people.rotation import RotationRefused, keys_rotate, pii_key_finish


class Command(BaseCommand):
    help = ("Rotate SECRET_KEY (signs everyone out) and LEARNCITY_PII_KEY (re-encrypts every resident's ID number "
            "in one transaction). Keys in the data folder are replaced there; a PII key from the environment "
            "needs the new one in LEARNCITY_NEW_PII_KEY.")

    def add_arguments(self, parser):
        parser.add_argument("--secret-key", action="store_true", help="only SECRET_KEY")
        parser.add_argument("--pii-key", action="store_true", help="only LEARNCITY_PII_KEY")
        parser.add_argument("--finish", action="store_true",
                            help="move the profiles a server still running with the old key wrote (pii_key.old) "
                                 "to the current key")

    def handle(self, *args, secret_key=False, pii_key=False, finish=False, **options):
        both = not (secret_key or pii_key)
        if finish:
            try:
                done = pii_key_finish()
            except RotationRefused as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{done.profiles} learner profiles moved from the old PII key to the current one")
            return
        try:
            done = keys_rotate(secret_key=both or secret_key, pii_key=both or pii_key,
                               progress=lambda n: self.stderr.write(f"\r{n} profiles", ending=""))
        except RotationRefused as exc:
            raise CommandError(str(exc)) from exc
        if done.pii_key_written or done.pii_key_to_set:
            self.stdout.write(f"PII key rotated: {done.profiles} learner profiles re-encrypted, "
                              f"{done.staged_hashes_cleared} staged intake hashes cleared")
        if done.pii_key_written:
            self.stdout.write(f"new PII key written to {done.pii_key_written}; the old one is kept beside it as "
                              "pii_key.old: delete it once the servers run with the new key (see --finish)")
        if done.pii_key_to_set:
            self.stdout.write("now put the value of LEARNCITY_NEW_PII_KEY into LEARNCITY_PII_KEY and restart")
        if done.secret_key_written:
            self.stdout.write(f"new SECRET_KEY written to {done.secret_key_written}: restart the server "
                              "(everyone signs in again)")
