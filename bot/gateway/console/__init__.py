"""Staff console at /staff: review queue, teaching the assistant, replies to citizens, dashboard."""
