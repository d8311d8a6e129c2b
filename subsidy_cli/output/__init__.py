"""What people and scripts read: JSON and CSV documents, templates, and the one module that uses Rich."""
