package minimize

// pgbs is generalized binary splitting for several tests at once.
func (s *search) pgbs() error { return s.gbs() }
