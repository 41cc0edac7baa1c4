# The key is read from the environment variable named after `env:`, which keeps it out of shell
# history and out of Terraform's "Importing from ID" line. It must already be valid for all three clouds.
MY_PSK="$EXISTING_KEY" terraform import multicloud_psk.aws_gcp env:MY_PSK
