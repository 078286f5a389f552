"""CRM clients (HubSpot, Salesforce) and the activity that writes each lead's owner."""
