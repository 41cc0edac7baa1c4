provider "multicloud" {
  aws {
    region = "us-east-1"
  }

  gcp {
    project = "acme-platform"
  }

  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000"
  }
}

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
