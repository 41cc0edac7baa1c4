provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = {
      platform   = "acme"
      managed-by = "multicloud"
    }
  }
}
