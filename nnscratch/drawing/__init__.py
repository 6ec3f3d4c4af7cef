"""Drawing: a canvas or image turned into what the network reads, and real pen digits replayed like a canvas."""
