# Terraform 1.12+. `id` is the id the key gets (e.g. the one it had in another state); `key_env`
# names the environment variable that holds the key, which is never part of an identity.
import {
  to = multicloud_psk.aws_gcp
  identity = {
    id      = "psk-00000000000000aa"
    key_env = "MY_PSK"
  }
}
