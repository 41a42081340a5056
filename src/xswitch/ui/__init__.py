"""The full-screen Textual picker."""
