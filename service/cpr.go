package service

import "tvp/domain"

// previousCPRHash is a CPR number's hash under the pepper being rotated out, or nil when none
// is: a citizen recorded under it is recognised until tvp citizens rehash has moved them.
func (s *Service) previousCPRHash(normalizedCPR string) []byte {
	if s.cfg.CPRPepperPrevious == "" {
		return nil
	}
	return domain.CPRHash(s.cfg.CPRPepperPrevious, normalizedCPR)
}
