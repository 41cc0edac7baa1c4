//! Region facts routing needs: the AWS region Route 53 latency routing should use for a backend
//! in another cloud (the nearest AWS region, by location), and Cloudflare's region codes for
//! continents.

/// AWS regions Route 53 accepts for latency records.
const AWS_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "sa-east-1",
    "mx-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "me-south-1",
    "me-central-1",
    "il-central-1",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
];

/// Nearest AWS region of common GCP and Azure regions (same metro or the closest one).
const NEAREST_AWS: &[(&str, &str)] = &[
    // Google Cloud
    ("us-east1", "us-east-1"),
    ("us-east4", "us-east-1"),
    ("us-central1", "us-east-2"),
    ("us-west1", "us-west-2"),
    ("us-west2", "us-west-1"),
    ("northamerica-northeast1", "ca-central-1"),
    ("southamerica-east1", "sa-east-1"),
    ("europe-west1", "eu-west-1"),
    ("europe-west2", "eu-west-2"),
    ("europe-west3", "eu-central-1"),
    ("europe-west4", "eu-central-1"),
    ("europe-west9", "eu-west-3"),
    ("europe-north1", "eu-north-1"),
    ("europe-southwest1", "eu-south-2"),
    ("asia-east1", "ap-east-1"),
    ("asia-northeast1", "ap-northeast-1"),
    ("asia-northeast3", "ap-northeast-2"),
    ("asia-south1", "ap-south-1"),
    ("asia-southeast1", "ap-southeast-1"),
    ("australia-southeast1", "ap-southeast-2"),
    ("me-central1", "me-central-1"),
    ("africa-south1", "af-south-1"),
    // Azure
    ("eastus", "us-east-1"),
    ("eastus2", "us-east-1"),
    ("centralus", "us-east-2"),
    ("westus", "us-west-1"),
    ("westus2", "us-west-2"),
    ("westus3", "us-west-2"),
    ("canadacentral", "ca-central-1"),
    ("brazilsouth", "sa-east-1"),
    ("northeurope", "eu-west-1"),
    ("westeurope", "eu-central-1"),
    ("uksouth", "eu-west-2"),
    ("francecentral", "eu-west-3"),
    ("germanywestcentral", "eu-central-1"),
    ("swedencentral", "eu-north-1"),
    ("switzerlandnorth", "eu-central-2"),
    ("eastasia", "ap-east-1"),
    ("japaneast", "ap-northeast-1"),
    ("koreacentral", "ap-northeast-2"),
    ("centralindia", "ap-south-1"),
    ("southeastasia", "ap-southeast-1"),
    ("australiaeast", "ap-southeast-2"),
    ("uaenorth", "me-central-1"),
    ("southafricanorth", "af-south-1"),
];

/// The AWS region for a backend's latency record, or `None` when no nearby AWS region is known.
pub fn aws_latency_region(cloud: &str, region: &str) -> Option<&'static str> {
    if let Some(r) = AWS_REGIONS.iter().find(|r| **r == region) {
        return Some(r);
    }
    if cloud == "aws" {
        return None;
    }
    NEAREST_AWS
        .iter()
        .find(|(other, _)| *other == region)
        .map(|(_, aws)| *aws)
}

/// Cloudflare load-balancing regions covering a continent code.
pub fn cloudflare_regions(continent: &str) -> &'static [&'static str] {
    match continent {
        "NA" => &["WNAM", "ENAM"],
        "SA" => &["NSAM", "SSAM"],
        "EU" => &["WEU", "EEU"],
        "AF" => &["NAF", "SAF"],
        "AS" => &["ME", "SAS", "SEAS", "NEAS"],
        "OC" => &["OC"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_other_clouds_to_nearby_aws_regions() {
        assert_eq!(aws_latency_region("aws", "eu-west-1"), Some("eu-west-1"));
        assert_eq!(aws_latency_region("gcp", "europe-west1"), Some("eu-west-1"));
        assert_eq!(
            aws_latency_region("azure", "westeurope"),
            Some("eu-central-1")
        );
        assert_eq!(aws_latency_region("aws", "europe-west1"), None);
        assert_eq!(aws_latency_region("gcp", "mars-north1"), None);
    }
}
