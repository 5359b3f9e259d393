package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

// recordAbsence records a staff member's absence, with a stand-in (the staff member themself,
// their lead or an administrator).
func (s *Server) recordAbsence(c *gin.Context) {
	var in service.AbsenceInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	about(c, domain.AbsenceRecord, domain.SubjectStaff, c.Param("id"))
	out, err := s.Service.RecordAbsence(c.Request.Context(), caller(c), c.Param("id"), in)
	s.answer(c, http.StatusCreated, out, err)
}

// listAbsences lists a staff member's absences that have not ended.
func (s *Server) listAbsences(c *gin.Context) {
	if err := knownQuery(c); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Service.Absences(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, gin.H{"items": out}, err)
}

// cancelAbsence deletes one of a staff member's absences.
func (s *Server) cancelAbsence(c *gin.Context) {
	if err := s.Service.CancelAbsence(c.Request.Context(), caller(c), c.Param("id"), c.Param("absenceId")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
