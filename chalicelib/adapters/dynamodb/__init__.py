"""DynamoDB storage through PynamoDB. Every partition key is led by the tenant id."""
